"""The import package is `scalplab`; its folder is `src/` (the repository layout is fixed)."""

from setuptools import find_namespace_packages, setup

setup(
    package_dir={"scalplab": "src"},
    packages=[
        "scalplab",
        *(f"scalplab.{name}" for name in find_namespace_packages("src", exclude=["*__pycache__*"])),
    ],
)
