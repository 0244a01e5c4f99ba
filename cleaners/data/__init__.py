"""Reference data of the cleaners (CSV files); a package so the files ship in the wheel."""
