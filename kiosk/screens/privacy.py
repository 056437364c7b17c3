"""The privacy screen is now part of the ready screen (kiosk/screens/ready.py).

`Bullet` lives in kiosk/widgets/bullet.py; this name stays only until kiosk/widgets/stage.py
imports it from there.
"""

from kiosk.widgets.bullet import Bullet

__all__ = ["Bullet"]
