"""The Excel side (xlwings workbooks, UDFs, the headless engine). Built in issue 5; empty until then."""
