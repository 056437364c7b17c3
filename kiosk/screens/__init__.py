"""One small widget per screen: `render(vm)` in, intents out as signals, no business logic."""
