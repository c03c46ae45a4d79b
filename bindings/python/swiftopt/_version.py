"""The package version. It must equal the loaded library's
``swiftopt_version_string()`` (checked at import) and the header's
``SWIFTOPT_VERSION_STRING`` (checked by the tests)."""

__version__ = "0.1.0"
