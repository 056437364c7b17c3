"""Widgets the kiosk's screens share: text with ruby, pictograms, buttons, video and documents."""
