// Placeholder until the benchmarks land (issue 10).
return 0;
