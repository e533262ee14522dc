"""Where readers' browsers fetch photos from when the photos are kept in an S3-compatible
bucket (``MEDIA_S3_BUCKET``; issue 11, several app servers sharing one bucket).

The Content-Security-Policy's ``img-src`` must allow that origin, or the browser blocks every
photo. The origin is not always the endpoint's: AWS's China regions live under
``amazonaws.com.cn``, and a service addressed virtual-hosted style (Aliyun OSS) puts the
bucket's name in the host. So it is worked out by botocore, the library that makes the URLs,
with the options the storage gets. Imported by the settings module: no Django here.
"""

from urllib.parse import urlsplit

#: ``MEDIA_S3_ADDRESSING_STYLE``: botocore's choice (``auto``), the bucket in the path
#: (``path``: MinIO, most self-hosted servers) or in the host name (``virtual``: Aliyun OSS).
ADDRESSING_STYLES = ("auto", "path", "virtual")


def public_origin(
    *,
    bucket_name: str,
    endpoint_url: str | None = None,
    region_name: str | None = None,
    custom_domain: str | None = None,
    addressing_style: str | None = None,
    **_other_options,
) -> str:
    """``scheme://host[:port]`` of the public URLs django-storages gives the objects of
    ``bucket_name`` (unsigned, ``querystring_auth`` off), for the keyword options of
    ``storages.backends.s3.S3Storage``.

    With a ``custom_domain``: ``https://`` and that domain. Otherwise botocore builds an
    object's URL as the storage does (the region from the environment or ``~/.aws/config``
    when not given), without credentials and without sending any request, e.g.
    ``https://unionnews-photos.s3.amazonaws.com`` (AWS),
    ``https://unionnews-photos.s3.cn-north-1.amazonaws.com.cn`` (AWS China),
    ``https://s3.example.org`` (an endpoint, path style),
    ``https://unionnews-photos.oss-cn-beijing.aliyuncs.com`` (an endpoint, virtual-hosted).

    Raises ``ImportError`` without boto3 (``pip install "unionnews[s3]"``).
    """
    if custom_domain:
        return f"https://{custom_domain}"
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    client = boto3.Session().client(
        "s3",
        region_name=region_name,
        endpoint_url=endpoint_url,
        config=Config(signature_version=UNSIGNED, s3={"addressing_style": addressing_style}),
    )
    url = client.generate_presigned_url("get_object", Params={"Bucket": bucket_name, "Key": "x"})
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
