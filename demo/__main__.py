"""`madoguchi-demo`: the whole of Madoguchi on one machine.

    madoguchi-demo                      the hub, a kiosk window and a logged-in staff console
    madoguchi-demo --autoplay [--screenshots DIR]
                                        a whole consultation played by itself, with screenshots

Without a display (neither DISPLAY nor WAYLAND_DISPLAY), both play the consultation by itself
under Xvfb (`xvfb-run`), so a newcomer on a headless server still sees the product work.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

XVFB_SCREEN: Final = "-screen 0 1920x1080x24"
DEFAULT_SCREENSHOTS: Final = Path("var/demo-screenshots")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="madoguchi-demo",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument(
        "--autoplay", action="store_true", help="play a whole consultation by itself, then exit"
    )
    parser.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        default=DEFAULT_SCREENSHOTS,
        help=f"where --autoplay puts its screenshots (default {DEFAULT_SCREENSHOTS})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=150.0,
        metavar="SECONDS",
        help="--autoplay gives up after this long (default 150)",
    )
    parser.add_argument(
        "--var-dir",
        type=Path,
        metavar="DIR",
        help="the hub's data and the logs (default ./var; --autoplay: a fresh temporary one)",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="the hub's port by hand (default 8765)"
    )
    parser.add_argument(
        "--real-hours",
        action="store_true",
        help="by hand, keep the demo city's real opening hours (else open around the clock)",
    )
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="by hand, a synthetic camera and voice for the kiosk even if there is a camera",
    )
    return parser.parse_args(argv)


def has_display(environ: Mapping[str, str]) -> bool:
    """A screen to open windows on: Windows and macOS always have one; X11 and Wayland say so."""
    if sys.platform in ("win32", "darwin"):
        return True
    if environ.get("QT_QPA_PLATFORM") == "offscreen":
        return True  # Qt renders without a display; the autoplay's screenshots still work
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def under_xvfb(args: list[str]) -> int:
    """Run `python -m demo ARGS` on a virtual 1920x1080 screen; its exit status."""
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        print(
            "madoguchi-demo: xvfb-run is missing. Install it with\n"
            "  sudo apt-get install -y --no-install-recommends xvfb xauth",
            file=sys.stderr,
        )
        return 1
    command = [xvfb_run, "-a", "-s", XVFB_SCREEN, sys.executable, "-m", "demo", *args]
    return subprocess.run(command, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background by a script: the children would inherit the ignored
        # SIGINT, and could then only be stopped by force. Ctrl-C means "stop" here.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    headless = not has_display(os.environ)
    if args.autoplay:
        if headless:
            return under_xvfb(["--autoplay", *_autoplay_args(args)])
        from demo import autoplay  # Qt only now: --help and the launcher work without it

        options = autoplay.Options(args.screenshots, args.timeout, args.var_dir)
        return autoplay.run(options)
    if headless:
        print(
            "madoguchi-demo: this machine has no display (neither DISPLAY nor WAYLAND_DISPLAY "
            "is set), so\nthe kiosk and the console cannot open windows. Playing a whole "
            "consultation by itself under Xvfb instead,\nwith screenshots along the way.",
            flush=True,
        )
        code = under_xvfb(["--autoplay", *_autoplay_args(args)])
        if code == 0:
            print(f"madoguchi-demo: the screenshots are in {args.screenshots.resolve()}/")
        return code
    from demo import launcher

    return launcher.run(
        args.var_dir or Path("var"),
        port=args.port,
        real_hours=args.real_hours,
        synthetic=args.synthetic,
    )


def _autoplay_args(args: argparse.Namespace) -> list[str]:
    forwarded = ["--screenshots", str(args.screenshots), "--timeout", str(args.timeout)]
    if args.var_dir is not None:
        forwarded += ["--var-dir", str(args.var_dir)]
    return forwarded


if __name__ == "__main__":
    sys.exit(main())
