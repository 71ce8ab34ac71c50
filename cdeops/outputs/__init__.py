"""One module per output area; each turns views into files: ``files(ctx) -> {path: bytes}``."""
