"""The console's screens: `draw(vm)` in, intents out as signals, no business logic."""
