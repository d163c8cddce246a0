"""Reading and writing results: run folders, checkpoints and tables
(:mod:`creditlab.io.run_directory`), written by a second process on the command line
(:mod:`creditlab.io.output_process`), NWB files and synapse tables.

Nothing is imported here, so that the command line can import
:mod:`creditlab.io.output_process` first, before numpy and everything heavy.
"""
