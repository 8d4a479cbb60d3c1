from __future__ import annotations

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from gateway.storage.interface import StorageError

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3FileStorage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Aliyun OSS, Tencent COS).

    Credentials come from boto3's usual chain (environment, profile, instance role).
    """

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None,
                 max_attempts: int = 3, connect_timeout: float = 5, read_timeout: float = 30):
        if not bucket:
            raise StorageError("STORAGE_URL s3:// needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        # Path-style addressing works with MinIO and most S3-compatible services; the
        # retries ride out brief outages, the short connect timeout keeps an API request
        # from hanging on a storage outage (it answers 503 instead).
        config = Config(retries={"max_attempts": max_attempts, "mode": "standard"},
                        connect_timeout=connect_timeout, read_timeout=read_timeout,
                        s3={"addressing_style": "path" if endpoint_url else "auto"},
                        signature_version="s3v4")
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key, data, content_type="application/octet-stream"):
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 put failed for {key}: {exc}") from exc

    def get(self, key):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise FileNotFoundError(key) from None
            raise StorageError(f"S3 get failed for {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 get failed for {key}: {exc}") from exc

    def _head(self, key) -> dict:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise FileNotFoundError(key) from None
            raise StorageError(f"S3 head failed for {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 head failed for {key}: {exc}") from exc

    def exists(self, key):
        try:
            self._head(key)
        except FileNotFoundError:
            return False
        return True

    def size(self, key):
        return int(self._head(key)["ContentLength"])

    def delete(self, key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 delete failed for {key}: {exc}") from exc

    def presigned_upload(self, key, content_type, max_bytes, expires_in):
        # A presigned POST, not PUT: its signed policy can carry content-length-range, so
        # the bucket itself refuses an over-size file (a presigned PUT cannot cap the size).
        try:
            post = self.client.generate_presigned_post(
                self.bucket, self._key(key), Fields={"Content-Type": content_type},
                Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
                ExpiresIn=expires_in)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 presign failed: {exc}") from exc
        return {"url": post["url"], "method": "POST", "headers": {}, "fields": post["fields"]}

    def check(self):
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 bucket {self.bucket} not reachable: {exc}") from exc
