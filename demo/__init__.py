"""`madoguchi-demo`: the whole system on one machine, by hand or played by itself.

`demo.launcher` opens the hub, a kiosk window and a logged-in staff console for a person to try;
`demo.autoplay` plays a whole consultation through the same hub and apps and takes screenshots.
Nothing here is part of the product: the demo only starts, drives and watches the real programs.
"""
