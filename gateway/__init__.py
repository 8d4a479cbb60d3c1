"""Qingwang 清网 gateway: the web service, its persistence, storage and queue adapters, and the CLI."""


def create_app(test_config=None, runtime=None):
    from gateway.app import create_app as _create_app

    return _create_app(test_config, runtime)
