"""Start a visdom server whose page works offline (binds 127.0.0.1 by default).

    python -m pytracking.debug.visdom_server                 # port from settings (visdom_port, default 8097)
    python -m pytracking.debug.visdom_server --port 8098 --env-path /tmp/visdom
    python -m pytracking.debug.visdom_server --assets-only   # only fill in the page's JS/CSS/fonts, then exit
    python -m pytracking.debug.visdom_server --check         # list missing page files, exit 1 when any

visdom's own start (``python -m visdom.server``) downloads about 20 JS/CSS/font files from CDNs and fails
offline. Each of them is a file of a package on the npm registry; this command installs the missing ones
into visdom's ``static/`` folder under the names visdom's ``download_scripts`` uses, with ``npm pack``
(an explicit setup step, run once; nothing is fetched while tracking or training). Without npm it prints
the exact commands to run on a machine that has it. Afterwards the stock ``python -m visdom.server`` finds
every file too and no longer downloads anything.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asset:
    """One page file: ``member`` of npm package ``package`` saved as ``static/<target>``."""

    package: str
    member: str
    target: str


MATHJAX_FILES = ("MathJax.js", "config/Safe.js", "config/TeX-AMS-MML_HTMLorMML.js", "extensions/Safe.js",
                 "jax/output/SVG/fonts/TeX/fontdata.js", "jax/output/SVG/jax.js",
                 "jax/output/SVG/fonts/TeX/Size1/Regular/Main.js", "jax/output/SVG/config.js")
GLYPHICONS = ("eot", "woff2", "woff", "ttf", "svg")

# (package, file in the package, name under static/) as visdom 0.2.4's server/build.py:download_scripts names them
ASSETS: tuple[Asset, ...] = (
    Asset("jquery@3.1.1", "dist/jquery.min.js", "js/jquery.min.js"),
    Asset("bootstrap@3.3.7", "dist/js/bootstrap.min.js", "js/bootstrap.min.js"),
    Asset("bootstrap@3.3.7", "dist/css/bootstrap.min.css", "css/bootstrap.min.css"),
    Asset("react@16.2.0", "umd/react.production.min.js", "js/react-react.min.js"),
    Asset("react-dom@16.2.0", "umd/react-dom.production.min.js", "js/react-dom.min.js"),
    Asset("react-modal@3.1.10", "dist/react-modal.min.js", "js/react-modal.min.js"),
    Asset("plotly.js-dist-min@2.11.1", "plotly.min.js", "js/plotly-plotly.min.js"),
    Asset("sjcl@1.0.7", "sjcl.js", "js/sjcl.js"),
    Asset("layout-bin-packer@1.4.0", "dist/layout-bin-packer.js.map", "js/layout-bin-packer.js.map"),
    Asset("layout-bin-packer@1.4.0", "dist/layout-bin-packer.js", "js/layout_bin_packer.js"),
    Asset("d3@3.5.17", "d3.min.js", "js/d3.v3.min.js"),
    Asset("d3-selection-multi@1.0.1", "build/d3-selection-multi.js", "js/d3-selection-multi.v1.js"),
    Asset("save-svg-as-png@1.4.17", "lib/saveSvgAsPng.js", "js/saveSvgAsPng.js"),
    Asset("react-resizable@1.4.6", "css/styles.css", "css/react-resizable-styles.css"),
    Asset("react-grid-layout@0.16.3", "css/styles.css", "css/react-grid-layout-styles.css"),
    Asset("classnames@2.2.5", "index.js", "fonts/classnames"),
    *(Asset("bootstrap@3.3.7", f"dist/fonts/glyphicons-halflings-regular.{ext}",
            f"fonts/glyphicons-halflings-regular.{ext}") for ext in GLYPHICONS),
    # download_scripts keeps the svg font under its URL's name (fragment included): it checks that name
    Asset("bootstrap@3.3.7", "dist/fonts/glyphicons-halflings-regular.svg",
          "fonts/glyphicons-halflings-regular.svg#glyphicons_halflingsregular"),
    *(Asset("mathjax@2.7.5", name, f"js/mathjax/2.7.5/{name}") for name in MATHJAX_FILES),
)


class AssetError(RuntimeError):
    """The page's files are missing and could not be installed."""


def visdom_static_dir() -> Path:
    """visdom's ``static/`` folder (where its page looks for every file)."""
    import importlib.util

    spec = importlib.util.find_spec("visdom")
    if spec is None or spec.origin is None:
        raise AssetError("visdom is not installed: pip install visdom (or run bash install.sh)")
    return Path(spec.origin).parent / "static"


def missing_assets(static_dir: Path) -> list[Asset]:
    """The assets with no (or an empty) file under ``static_dir``."""
    return [a for a in ASSETS if not (static_dir / a.target).is_file() or (static_dir / a.target).stat().st_size == 0]


def npm_commands(missing: list[Asset], static_dir: Path) -> str:
    """Shell commands that install ``missing`` by hand (for a machine without npm here)."""
    lines = ["# on any machine with npm:", "mkdir visdom-assets && cd visdom-assets"]
    lines += [f"npm pack {pkg}" for pkg in sorted({a.package for a in missing})]
    lines += ["# copy the .tgz files here, then:",
              f"python -m pytracking.debug.visdom_server --assets-only --from-tarballs visdom-assets",
              f"# (files go to {static_dir})"]
    return "\n".join(lines)


def tarball_name(package: str) -> str:
    """The file name ``npm pack name@version`` writes."""
    name, version = package.rsplit("@", 1)
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def npm_pack(packages: list[str], folder: Path, timeout: float = 600.0) -> None:
    """Run ``npm pack`` for ``packages`` into ``folder`` (raises AssetError on failure)."""
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm is not installed")
    proc = subprocess.run([npm, "pack", "--silent", *packages], cwd=folder, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssetError(f"npm pack failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")


def install_from_tarballs(missing: list[Asset], tarball_dir: Path, static_dir: Path) -> list[Asset]:
    """Copy each missing asset out of its package tarball in ``tarball_dir``; returns the installed assets."""
    from common.atomic import atomic_write_bytes

    installed = []
    for package in sorted({a.package for a in missing}):
        path = tarball_dir / tarball_name(package)
        if not path.is_file():
            raise AssetError(f"{path}: tarball of {package} not found (npm pack {package})")
        with tarfile.open(path, "r:gz") as tar:
            for asset in (a for a in missing if a.package == package):
                member = tar.extractfile(f"package/{asset.member}")
                if member is None:
                    raise AssetError(f"{path}: has no regular file package/{asset.member}")
                target = static_dir / asset.target
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(target, member.read())
                installed.append(asset)
    mark_built(static_dir)
    return installed


def mark_built(static_dir: Path) -> None:
    """Write ``version.built`` so visdom's own ``download_scripts`` keeps the installed files."""
    from common.atomic import atomic_write_text

    version_file = static_dir.parent / "VERSION"
    if version_file.is_file():
        atomic_write_text(static_dir / "version.built", version_file.read_text().strip())


def ensure_assets(static_dir: Optional[Path] = None, tarball_dir: Optional[Path] = None) -> list[Asset]:
    """Install the page files that are missing (from ``tarball_dir`` or with npm); returns what was installed."""
    static_dir = static_dir or visdom_static_dir()
    missing = missing_assets(static_dir)
    if not missing:
        return []
    if tarball_dir is not None:
        return install_from_tarballs(missing, Path(tarball_dir), static_dir)
    if shutil.which("npm") is None:
        raise AssetError(f"{len(missing)} page files are missing in {static_dir} and npm is not installed.\n"
                         f"Install npm (e.g. apt-get install npm) and run this command again, or:\n"
                         f"{npm_commands(missing, static_dir)}")
    with tempfile.TemporaryDirectory(prefix="visdom-assets-") as tmp:
        npm_pack(sorted({a.package for a in missing}), Path(tmp))
        return install_from_tarballs(missing, Path(tmp), static_dir)


def check_tornado() -> None:
    """Refuse tornado >= 6.5, whose static handler answers visdom 0.2.4's page with HTTP 403."""
    import tornado

    if tuple(int(p) for p in tornado.version.split(".")[:2]) >= (6, 5):
        raise AssetError(f"tornado {tornado.version} answers visdom's page with HTTP 403 "
                         f"('../user/style.css is not in root static directory'): pip install 'tornado<6.5'")


def serve(port: int, address: str = "127.0.0.1", env_path: Optional[str] = None) -> None:
    """Run the visdom server on ``address:port`` until interrupted."""
    from tornado import ioloop
    from visdom.server.app import Application
    from visdom.server.defaults import DEFAULT_ENV_PATH

    env_path = str(Path(env_path or DEFAULT_ENV_PATH).expanduser())
    Path(env_path).mkdir(parents=True, exist_ok=True)
    app = Application(port=port, base_url="", env_path=env_path)
    app.listen(port, max_buffer_size=1024**3, address=address)
    print(f"visdom: http://{address}:{port} (env files in {env_path}); Ctrl-C stops it", flush=True)
    ioloop.IOLoop.current().start()


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=None, help="port (default: settings visdom_port)")
    p.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    p.add_argument("--env-path", default=None, help="folder for visdom's saved environments")
    p.add_argument("--assets-only", action="store_true", help="install missing page files and exit")
    p.add_argument("--check", action="store_true", help="list missing page files; exit 1 when any")
    p.add_argument("--from-tarballs", default=None, help="folder of `npm pack` tarballs to install from (no npm)")
    return p


def main(argv: Optional[list] = None) -> int:
    """Entry point: check/fill the page files, then serve."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        static_dir = visdom_static_dir()
        if args.check:
            missing = missing_assets(static_dir)
            for asset in missing:
                print(f"missing {static_dir / asset.target} ({asset.package}: {asset.member})")
            print(f"{len(ASSETS) - len(missing)}/{len(ASSETS)} page files present in {static_dir}")
            return 1 if missing else 0
        installed = ensure_assets(static_dir, args.from_tarballs)
        if installed:
            print(f"installed {len(installed)} page files into {static_dir}")
        if args.assets_only:
            print(f"all {len(ASSETS)} page files present in {static_dir}")
            return 0
        check_tornado()
    except (AssetError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    port = args.port
    if port is None:
        from settings import load_settings

        port = int(getattr(load_settings(), "visdom_port", 8097))
    try:
        serve(port, args.address, args.env_path)
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"error: cannot serve on {args.address}:{port}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
