"""The WeChat edge: translates the protocol, decides nothing."""
