"""Tests of the route framework and the API conventions every route follows."""
