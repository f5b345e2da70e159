"""Tests of wordspace (a package, so that its folders cannot collide with installed distributions)."""
