"""Both storage backends behave the same, and hide their own errors."""
import boto3
import pytest

from gateway.storage import StorageError, storage_from_url


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return storage_from_url((tmp_path / "store").as_uri())
    endpoint = request.getfixturevalue("s3_endpoint")
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="qw-store")
    return storage_from_url("s3://qw-store/prefix", endpoint_url=endpoint, region="us-east-1")


def test_put_get_exists_delete(storage):
    assert not storage.exists("a/b.bin")
    storage.put("a/b.bin", b"\x00\x01payload", "application/octet-stream")
    assert storage.exists("a/b.bin")
    assert storage.get("a/b.bin") == b"\x00\x01payload"
    storage.put("a/b.bin", b"replaced")
    assert storage.get("a/b.bin") == b"replaced"
    storage.delete("a/b.bin")
    assert not storage.exists("a/b.bin")
    storage.delete("a/b.bin")  # deleting what is gone is fine


def test_missing_key_is_file_not_found(storage):
    with pytest.raises(FileNotFoundError):
        storage.get("never/stored")


def test_check_passes_when_reachable(storage):
    storage.check()


def test_s3_prefix_is_applied(s3_endpoint):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="qw-prefix")
    store = storage_from_url("s3://qw-prefix/tenant-a/docs", endpoint_url=s3_endpoint, region="us-east-1")
    store.put("x.txt", b"hi", "text/plain")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket="qw-prefix")["Contents"]]
    assert keys == ["tenant-a/docs/x.txt"]


def test_unreachable_s3_raises_storage_error():
    from gateway.storage.s3 import S3FileStorage

    store = S3FileStorage("nowhere", "x", endpoint_url="http://127.0.0.1:1", region="us-east-1", max_attempts=1)
    with pytest.raises(StorageError):
        store.put("k", b"v")
    with pytest.raises(StorageError):
        store.check()


def test_missing_bucket_is_storage_error(s3_endpoint):
    store = storage_from_url("s3://no-such-bucket/x", endpoint_url=s3_endpoint, region="us-east-1")
    with pytest.raises(StorageError):
        store.check()


def test_local_keys_cannot_escape_the_root(tmp_path):
    store = storage_from_url((tmp_path / "root").as_uri())
    with pytest.raises(StorageError):
        store.put("../outside.txt", b"x")


def test_unknown_scheme_is_refused():
    with pytest.raises(StorageError):
        storage_from_url("ftp://example.com/x")
