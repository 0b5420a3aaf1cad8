"""The `huiqi` command line."""
