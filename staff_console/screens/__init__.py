"""The console's screens: `render(vm)` in, intents out as signals, no business logic."""
