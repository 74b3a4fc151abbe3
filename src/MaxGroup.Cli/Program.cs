// Placeholder entry point until the CLI lands (issue 2).
return 0;
