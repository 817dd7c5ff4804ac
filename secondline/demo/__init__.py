"""Demo data for evaluating SecondLine: `secondline demo` loads it (``data.load_demo``)."""
