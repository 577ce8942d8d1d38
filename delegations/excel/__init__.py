"""The Excel face of the delegations app: the assignments register (交办事项) and the decided
delegations (赋权委托), imported and exported through duties.excel's machinery (the same
reader, report, all-or-nothing rule and formula-safe writer)."""
