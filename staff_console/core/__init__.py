"""The app's Qt-free core."""
