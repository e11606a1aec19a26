"""The roof above the server and the workbooks: the `clientbase` command, the one place both sides meet."""
