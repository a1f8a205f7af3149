// ProxyCore: pure logic shared by the modules and their unit tests.
