// Placeholder entry point until the runtime loop lands (issue 2).
return 0;
