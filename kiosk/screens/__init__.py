"""One small widget per screen: `draw(vm)` in, intents out as signals, no business logic."""
