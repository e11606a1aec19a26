"""The Excel side: the headless engine, the workbooks and their Sync, the UDFs."""
