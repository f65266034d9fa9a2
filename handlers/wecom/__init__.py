"""The WeChat side: WeCom callback crypto, callback XML, the API client and its stand-in."""
