# The gwlb-inspect AMI: a current Amazon Linux 2023 (default) or Debian 12 base, a JDK 25, the shaded appliance jar,
# the systemd unit, kernel settings, the default configuration and a CloudWatch agent configuration (off until
# enabled). All installation is packer/provision.sh, which ProvisionScriptIT also runs in a throwaway root.
#
#   ./mvnw -B -q -DskipTests package           # builds appliance/target/appliance.jar
#   packer build -var region=eu-west-1 packer/appliance.pkr.hcl
#
# Debian 12 base (no JDK 25 package there: pass a JDK archive, e.g. Temurin's):
#   packer build -var base_ami_owner=136693071363 -var 'base_ami_name=debian-12-amd64-*' -var ssh_username=admin \
#     -var jdk_package= -var jdk_archive=/path/to/OpenJDK25U-jdk_x64_linux.tar.gz -var cloudwatch_agent_package= \
#     packer/appliance.pkr.hcl
#
# Kept valid for Packer 1.6.6 (Debian 12's packer, amazon builders built in): no required_plugins block.

variable "region" {
  type        = string
  default     = "us-east-1"
  description = "AWS region the AMI is built in (and registered in)."
}

variable "instance_type" {
  type        = string
  default     = "c6in.large"
  description = "Build instance type; any x86_64 type with ENA."
}

variable "base_ami_name" {
  type        = string
  default     = "al2023-ami-2023.*-kernel-*-x86_64"
  description = "Name filter of the base AMI (the most recent match is used)."
}

variable "base_ami_owner" {
  type        = string
  default     = "amazon"
  description = "Owner of the base AMI: amazon (Amazon Linux), 136693071363 (Debian)."
}

variable "ssh_username" {
  type        = string
  default     = "ec2-user"
  description = "Login user of the base AMI: ec2-user (Amazon Linux), admin (Debian)."
}

variable "appliance_jar" {
  type        = string
  default     = "appliance/target/appliance.jar"
  description = "The shaded jar, relative to the directory packer runs in (the repository root)."
}

variable "appliance_version" {
  type        = string
  default     = "0.1.0-SNAPSHOT"
  description = "Version written to /opt/gwlb-inspect/VERSION and into the AMI name and tags."
}

variable "jdk_package" {
  type        = string
  default     = "java-25-amazon-corretto-headless"
  description = "JDK 25 package installed with the base's package manager; empty to use jdk_archive."
}

variable "jdk_archive" {
  type        = string
  default     = ""
  description = "Local JDK 25 .tar.gz uploaded and unpacked when jdk_package is empty."
}

variable "cloudwatch_agent_package" {
  type        = string
  default     = "amazon-cloudwatch-agent"
  description = "CloudWatch agent package (installed, left disabled); empty to leave it out."
}

variable "subnet_id" {
  type        = string
  default     = ""
  description = "Subnet for the build instance; empty for the default VPC."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Extra tags for the AMI and its snapshots."
}

locals {
  timestamp = regex_replace(timestamp(), "[- TZ:]", "")
  staging   = "/tmp/gwlb-inspect"
  jdk_file  = var.jdk_archive == "" ? "" : "${local.staging}/jdk.tar.gz"
  ami_tags = merge(var.tags, {
    Name                   = "gwlb-inspect-${var.appliance_version}"
    "gwlb-inspect:version" = var.appliance_version
    "gwlb-inspect:base"    = "{{ .SourceAMIName }}"
  })
}

source "amazon-ebs" "appliance" {
  region        = var.region
  instance_type = var.instance_type
  subnet_id     = var.subnet_id
  ssh_username  = var.ssh_username
  ami_name      = "gwlb-inspect-${var.appliance_version}-${local.timestamp}"
  ena_support   = true
  sriov_support = true

  source_ami_filter {
    filters = {
      name                  = var.base_ami_name
      architecture          = "x86_64"
      "root-device-type"    = "ebs"
      "virtualization-type" = "hvm"
    }
    owners      = [var.base_ami_owner]
    most_recent = true
  }

  # (IMDSv2-only is set by deploy/'s launch templates; Packer 1.6.6 has no metadata_options for the build instance.)

  tags          = local.ami_tags
  snapshot_tags = local.ami_tags
}

build {
  sources = ["source.amazon-ebs.appliance"]

  provisioner "shell" {
    inline = ["mkdir -p ${local.staging}/packer ${local.staging}/systemd ${local.staging}/docs"]
  }

  provisioner "file" {
    source      = "${path.root}/files"
    destination = "${local.staging}/packer"
  }

  provisioner "file" {
    sources     = ["${path.root}/../systemd/gwlb-inspect.service"]
    destination = "${local.staging}/systemd/"
  }

  provisioner "file" {
    sources     = ["${path.root}/../docs/operations.md"]
    destination = "${local.staging}/docs/"
  }

  provisioner "file" {
    source      = var.appliance_jar
    destination = "${local.staging}/appliance.jar"
  }

  provisioner "file" {
    # Without a JDK archive this uploads the (small) template itself as a placeholder that provision.sh ignores.
    source      = var.jdk_archive == "" ? "${path.root}/appliance.pkr.hcl" : var.jdk_archive
    destination = "${local.staging}/jdk.tar.gz"
  }

  provisioner "shell" {
    script          = "${path.root}/provision.sh"
    execute_command = "sudo env {{ .Vars }} sh '{{ .Path }}'"
    environment_vars = [
      "SOURCE_DIR=${local.staging}",
      "APPLIANCE_JAR=${local.staging}/appliance.jar",
      "APPLIANCE_VERSION=${var.appliance_version}",
      "JDK_PACKAGE=${var.jdk_package}",
      "JDK_ARCHIVE=${local.jdk_file}",
      "CLOUDWATCH_AGENT_PACKAGE=${var.cloudwatch_agent_package}",
    ]
  }

  provisioner "shell" {
    # Nothing of the build instance's identity may stay in the image.
    inline = [
      "sudo rm -rf ${local.staging}",
      "sudo cloud-init clean --logs || true",
    ]
  }

  post-processor "manifest" {
    output     = "packer-manifest.json"
    strip_path = true
  }
}
