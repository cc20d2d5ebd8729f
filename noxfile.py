"""The one task runner for the nnx monorepo: every command a person needs is a session here.

    nox                                      # tests (whole matrix) + lint
    nox -l                                   # list the sessions
    nox -s tests                             # every Python x NumPy combination
    nox -s "tests-3.11(numpy='latest')" -- -k lstm -x
    nox -s demo                              # the demo: train, summarise, save, reload
    nox -s lint | bench | parity | build | fuzz

Each package's wheel is built once per Python version and cached under
.nox/_wheels/<python>/<package>-<source hash>/, so the NumPy variants and later runs reuse it
and an edit under packages/<name>/ rebuilds that package only. Tests always run against the
installed wheels, never the checkout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PACKAGES = ("core", "layers", "tools")  # install order: the others depend on core
DISTRIBUTIONS = ("nnx-core", "nnx-layers", "nnx-tools")
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# The torch 2.13.0 CPU wheel kept on this machine's disk is for CPython 3.11. Always ask
# for exactly this pin: anything looser makes pip fetch a multi-GB CUDA build instead.
TORCH_PYTHON = "3.11"
TORCH = "torch==2.13.0"
# The oldest release of each runtime dependency with wheels for that Python (project
# minimum: NumPy 1.24). "latest" takes the newest release pip finds for that Python.
OLDEST = {
    "3.10": ["numpy==1.24.4"],
    "3.11": ["numpy==1.24.4"],
    "3.12": ["numpy==1.26.4"],
    "3.13": ["numpy==2.1.3"],
}
# What the demo needs beyond the nnx wheels (tests/demo runs it): the digits ship inside
# scikit-learn.
DEMO = ("scikit-learn",)
LINTERS = ("ruff==0.17.6", "cython-lint==0.22.1")

nox.needs_version = ">=2025.10.14"  # download_python
nox.options.sessions = ["tests", "lint"]
nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = False  # a Python that is not here is skipped
nox.options.download_python = "never"
# Safe with the wheel cache: _install() uninstalls the nnx distributions before
# installing the current wheels, so a reused venv never keeps a stale build.
nox.options.reuse_venv = "yes"


def _expose_pyenv_pythons() -> None:
    """Let nox find Pythons that pyenv has installed but not activated.

    pyenv's shims (and nox's interpreter discovery) only run the versions named by
    PYENV_VERSION or `pyenv global`. When the user has not set PYENV_VERSION, keep the
    active version(s) first and append the newest installed patch of each version in
    PYTHONS, so the matrix covers every Python on the machine.
    """
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    if os.environ.get("PYENV_VERSION") or not (root / "versions").is_dir():
        return
    pyenv = shutil.which("pyenv") or str(root / "bin" / "pyenv")
    try:
        active = subprocess.run(
            [pyenv, "version-name"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        active = ""
    chosen = [version for version in active.split(":") if version]
    installed = [path.name for path in (root / "versions").iterdir()]
    for minor in PYTHONS:
        prefix = minor + "."
        patches = [v for v in installed if v.startswith(prefix) and v[len(prefix) :].isdigit()]
        if patches:
            newest = max(patches, key=lambda v: int(v[len(prefix) :]))
            if newest not in chosen:
                chosen.append(newest)
    if chosen:
        os.environ["PYENV_VERSION"] = ":".join(chosen)


_expose_pyenv_pythons()


# --- wheel cache ------------------------------------------------------------------------

_NOT_SOURCE_DIRS = {"__pycache__", "build", "builddir", "dist"}
_NOT_SOURCE_SUFFIXES = {".pyc", ".pyo", ".so", ".pyd", ".o", ".html"}


def _is_source(path: Path, base: Path) -> bool:
    """Whether a file under packages/<name>/ can change what its wheel contains."""
    parts = path.relative_to(base).parts
    if any(p in _NOT_SOURCE_DIRS or p.startswith(".") or p.endswith(".egg-info") for p in parts):
        return False
    if path.suffix in _NOT_SOURCE_SUFFIXES:
        return False
    # foo.c / foo.cpp next to foo.pyx is Cython output from a manual run, not a source.
    if path.suffix in {".c", ".cpp"} and path.with_suffix(".pyx").exists():
        return False
    return path.is_file()


def _source_hash(package: str) -> str:
    """A digest of every source file (path and bytes) of packages/<package>/."""
    base = ROOT / "packages" / package
    digest = hashlib.sha256()
    for path in sorted(p for p in base.rglob("*") if _is_source(p, base)):
        digest.update(path.relative_to(base).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _committed_tree(package: str) -> str:
    """Git's hash of the committed packages/<package>/ folder ("nogit" outside a checkout)."""
    try:
        command = ["git", "rev-parse", f"HEAD:packages/{package}"]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "nogit"
    return result.stdout.strip()[:12]


def _cached_build(session: nox.Session, package: str, kind: str) -> Path:
    """Return packages/<package> built as a wheel or sdist, building it only if its sources changed.

    Wheels are cached per Python version (they carry its ABI tag), sdists once for all.
    """
    cache = ROOT / ".nox" / ("_wheels" if kind == "wheel" else "_sdists")
    if kind == "wheel":
        cache = cache / str(session.python)
    key = f"{package}-{_source_hash(package)}"
    if kind == "sdist":  # `meson dist` packs the committed files: key on those too
        key += f"-{_committed_tree(package)}"
    pattern = "*.whl" if kind == "wheel" else "*.tar.gz"
    built = sorted((cache / key).glob(pattern))
    if built:
        session.log(f"reusing {built[0].relative_to(ROOT)}")
        return built[0]
    for stale in cache.glob(f"{package}-*"):
        shutil.rmtree(stale)
    partial = cache / f"{key}.partial"  # renamed into place only once the build succeeded
    source = str(ROOT / "packages" / package)
    if kind == "wheel":
        session.run("python", "-m", "pip", "wheel", "--no-deps", "-w", str(partial), source)
    else:
        session.run("python", "-m", "build", "--sdist", "--outdir", str(partial), source)
    partial.rename(cache / key)
    return sorted((cache / key).glob(pattern))[0]


def _install(session: nox.Session, *requirements: str) -> None:
    """Install every nnx wheel for this session's Python, plus `requirements`, into its venv."""
    wheels = [str(_cached_build(session, package, "wheel")) for package in PACKAGES]
    # Same version number, new build: drop the old one so pip cannot call it satisfied.
    session.run("python", "-m", "pip", "uninstall", "--yes", *DISTRIBUTIONS, silent=True)
    session.install(*wheels, *requirements)


def _pytest(session: nox.Session, *args: str) -> None:
    """Run pytest on the installed packages.

    The working directory is the repository root, where `import nnx` cannot find the
    checkout's packages/core/nnx; the `pytest` script (unlike `python -m pytest`) does not put
    the working directory on sys.path either. tests/test_packaging.py checks the result.
    Nothing is written into the tree: no .pytest_cache, bytecode under the session's tmp dir.
    """
    tmp = session.create_tmp()
    session.chdir(ROOT)
    options = ["-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]
    bytecode = {"PYTHONPYCACHEPREFIX": os.path.join(tmp, "pycache")}
    session.run("pytest", *options, *args, env=bytecode)


def _try_install_torch(session: nox.Session) -> None:
    """Install torch==2.13.0 if pip can; say so and go on without it if not."""
    python = Path(session.bin) / "python"
    if subprocess.run([str(python), "-m", "pip", "install", TORCH], check=False).returncode:
        session.warn(f"`pip install {TORCH}` failed: the benchmarks run without torch")
    else:
        session.log(f"{TORCH} installed: the benchmarks compare against it")


# --- sessions ---------------------------------------------------------------------------


@nox.session(python=PYTHONS)
@nox.parametrize("numpy", ["oldest", "latest"])
def tests(session: nox.Session, numpy: str) -> None:
    """Run tests/ against the installed wheels, on the oldest and the newest NumPy."""
    if numpy == "oldest":
        if str(session.python) not in OLDEST:
            session.error(f"no oldest-NumPy pin for Python {session.python}: add one to OLDEST")
        _install(session, "pytest", *DEMO, *OLDEST[str(session.python)])
    else:
        _install(session, "--upgrade", "pytest", "numpy", *DEMO)
    session.run("python", "-c", "import sys, numpy; print(sys.version, 'numpy', numpy.__version__)")
    # tests/parity needs torch: `nox -s parity` runs it.
    _pytest(session, "--ignore=tests/parity", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """Train an LSTM on scikit-learn's bundled digits with nnx, save, reload and summarise it
    (`nox -s demo -- --cell gru --epochs 20`: the options of `python -m nnx_layers.demo`)."""
    _install(session, *DEMO)
    session.chdir(ROOT)
    session.run("python", "-m", "nnx_layers.demo", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on the Python files, cython-lint on the .pyx/.pxd/.pxi files under packages/."""
    session.install(*LINTERS)
    session.chdir(ROOT)
    cython = sorted(
        str(path.relative_to(ROOT))
        for suffix in (".pyx", ".pxd", ".pxi")
        for path in (ROOT / "packages").rglob(f"*{suffix}")
        if _is_source(path, ROOT / "packages")
    )
    commands = {"ruff": ["ruff", "check", *session.posargs, "."]}
    if cython:
        commands["cython-lint"] = ["cython-lint", *cython]
    failed = []
    for name, command in commands.items():  # run every linter, then report all that failed
        try:
            session.run(*command)
        except nox.command.CommandFailed:
            failed.append(name)
    if failed:
        session.error(f"{' and '.join(failed)} found problems")


@nox.session(python=TORCH_PYTHON)
def bench(session: nox.Session) -> None:
    """Run benchmarks/bench_*.py (only names containing a posarg, if given), vs torch if present."""
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    if session.posargs:
        scripts = [s for s in scripts if any(arg in s.name for arg in session.posargs)]
    if not scripts:
        session.skip("no benchmarks/bench_*.py to run")
    _install(session)
    _try_install_torch(session)
    session.chdir(ROOT)
    for script in scripts:
        session.run("python", str(script))


@nox.session(python=TORCH_PYTHON)
def parity(session: nox.Session) -> None:
    """Compare nnx with live torch==2.13.0: every tests/golden generator's --check, then
    tests/parity/."""
    golden = ROOT / "tests" / "golden"
    generators = sorted(golden.glob("generate*.py"))
    parity_tests = ROOT / "tests" / "parity"
    if not parity_tests.exists():
        session.warn("tests/parity does not exist yet: not run")
        if not generators:
            session.error("nothing to compare with torch: no tests/golden/generate*.py either")
    _install(session, "pytest", TORCH, "torchinfo==1.8.0")  # generate_summary.py --check
    session.chdir(ROOT)
    for generator in generators:
        session.run("python", str(generator), "--check")
    if parity_tests.exists():
        _pytest(session, str(parity_tests), *session.posargs)


@nox.session(python=TORCH_PYTHON)
def fuzz(session: nox.Session) -> None:
    """Fuzz nnx.load with many more mutated checkpoints than the tests do (default 200000;
    `nox -s fuzz -- 1000000` sets the count, NNX_FUZZ_SEED the seed)."""
    session.env["NNX_FUZZ_ITERATIONS"] = session.posargs[0] if session.posargs else "200000"
    _install(session, "pytest")
    _pytest(session, "-s", "tests/serialization/test_checkpoint_fuzz.py")


@nox.session(python=PYTHONS)
def build(session: nox.Session) -> None:
    """Build every package's wheel (for this Python) and sdist into dist/."""
    session.install("build")
    dist = ROOT / "dist"
    dist.mkdir(exist_ok=True)
    for package in PACKAGES:
        for kind in ("wheel", "sdist"):
            artifact = _cached_build(session, package, kind)
            shutil.copy2(artifact, dist / artifact.name)
            session.log(f"dist/{artifact.name}")
