"""Documents attached to applications (申报材料) and the signed 信用承诺书."""
