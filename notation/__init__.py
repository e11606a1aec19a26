"""Notations shared by the server and the workbooks, standard library only: neither side may import the other."""
