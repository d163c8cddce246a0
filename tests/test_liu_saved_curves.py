"""The reader of Liu et al.'s saved runs (benchmarks/liu_saved_curves.py) builds numpy
scalars and refuses every other global a pickle could name."""

import importlib.util
import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "liu_saved_curves.py"


def reader():
    spec = importlib.util.spec_from_file_location("liu_saved_curves", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NumbersOnly


def test_numpy_scalars_are_read_back_exactly():
    saved = {"loss_list": [np.float32(0.6932599), np.float32(0.1)], "iter_list": [0, 10]}
    loaded = reader()(io.BytesIO(pickle.dumps(saved, protocol=4))).load()
    assert loaded["iter_list"] == [0, 10]
    assert [v.dtype for v in loaded["loss_list"]] == [np.float32, np.float32]
    assert loaded["loss_list"] == saved["loss_list"]


class Payload:
    def __reduce__(self):
        return (os.getcwd, ())


def test_any_other_global_is_refused():
    with pytest.raises(pickle.UnpicklingError, match=r"refusing posix\.getcwd"):
        reader()(io.BytesIO(pickle.dumps({"x": Payload()}))).load()
