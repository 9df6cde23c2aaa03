#!/bin/sh
# placeholder, see doc/performance.md
