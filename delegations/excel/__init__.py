"""The Excel face of the delegations app: the assignments register (交办事项) and the decided
delegations (赋权委托), imported and exported through duties.excel's machinery (the same
reader, report, all-or-nothing rule and formula-safe writer)."""

# duties.excel.spec imports this package's sheets at its end: load it first, so that importing
# delegations.excel.sheets on its own meets a spec that already defines Column and Sheet.
import duties.excel.spec  # noqa: E402,F401
