## arm64: build and test rules of this area (included from Makefile.am).
