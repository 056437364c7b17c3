"""The staff console: take the next citizen, show the form, point at the box, hand over."""
