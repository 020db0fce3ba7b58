"""Changes made behind Terraform's back (the drift), against the local AWS API emulator:
make.sh runs it between the apply and the plans. Needs boto3 (a dependency of moto)."""
import sys
import boto3

endpoint = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5123"
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
ec2 = boto3.client("ec2", **kw)
s3 = boto3.client("s3", **kw)

sg = ec2.describe_security_groups(GroupNames=["web"])["SecurityGroups"][0]
ec2.authorize_security_group_ingress(
    GroupId=sg["GroupId"],
    IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
vols = ec2.describe_volumes()["Volumes"]
by_name = {t["Value"]: v["VolumeId"] for v in vols for t in v.get("Tags", []) if t["Key"] == "Name"}
ec2.create_tags(Resources=[by_name["data"]], Tags=[{"Key": "Name", "Value": "data-hotfix"}])
ec2.create_tags(Resources=[by_name["store-1"]], Tags=[{"Key": "Owner", "Value": "oncall"}])
s3.delete_bucket(Bucket="cg-reports")
# Made outside Terraform, to be imported: one to import as it is, one whose tags the import changes.
s3.create_bucket(Bucket="cg-legacy-logs")
s3.create_bucket(Bucket="cg-legacy-assets")
print("drifted")
