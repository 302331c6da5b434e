/// Analysis: outlier statistics, PTQ evaluation and error propagation (later issues).
