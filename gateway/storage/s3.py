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

    def exists(self, key):
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise StorageError(f"S3 head failed for {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 head failed for {key}: {exc}") from exc

    def delete(self, key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 delete failed for {key}: {exc}") from exc

    def presigned_put(self, key, content_type, expires_in):
        try:
            url = self.client.generate_presigned_url(
                "put_object", Params={"Bucket": self.bucket, "Key": self._key(key), "ContentType": content_type},
                ExpiresIn=expires_in)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 presign failed: {exc}") from exc
        return {"url": url, "method": "PUT", "headers": {"Content-Type": content_type}}

    def check(self):
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 bucket {self.bucket} not reachable: {exc}") from exc
