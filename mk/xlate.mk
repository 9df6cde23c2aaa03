## xlate: build and test rules of this area (included from Makefile.am).
