# -*- Python -*-
# Runs the GoogleTest unit-test binaries of sto through lit.

import os

import lit.formats

config.name = "STO-Unit"
config.suffixes = []
config.test_source_root = os.path.join(config.sto_obj_root, "unittests")
config.test_exec_root = config.test_source_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
