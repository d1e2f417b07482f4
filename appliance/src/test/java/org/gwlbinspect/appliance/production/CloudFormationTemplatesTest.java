package org.gwlbinspect.appliance.production;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The CloudFormation templates in deploy/cloudformation parse (short-form intrinsic functions included) and refer
 * only to what they define: every Ref, GetAtt, Sub variable, DependsOn and condition names a parameter, resource,
 * condition or pseudo parameter of the same template, every parameter is used, and the appliance's parts are wired
 * as docs/gwlb.md §0 and the README require (GENEVE 6081, health check on port 80 /health, security group rules
 * only from the GWLB subnets, two zones, IMDSv2, appliance mode on the inspection attachment).
 */
class CloudFormationTemplatesTest {
    private static final Path TEMPLATES = Tools.REPOSITORY.resolve("deploy/cloudformation");
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^!}][^}]*)}");

    @ParameterizedTest
    @ValueSource(strings = {"centralized-egress.yaml", "distributed.yaml"})
    void refersOnlyToWhatItDefines(String name) throws IOException {
        Map<String, Object> template = load(name);
        Map<String, Object> parameters = map(template.get("Parameters"));
        Map<String, Object> resources = map(template.get("Resources"));
        Map<String, Object> conditions = map(template.getOrDefault("Conditions", Map.of()));
        assertThat(template).containsKeys("AWSTemplateFormatVersion", "Description", "Resources", "Outputs");

        References references = new References();
        references.collect(conditions);
        for (Map.Entry<String, Object> resource : resources.entrySet()) {
            Map<String, Object> body = map(resource.getValue());
            assertThat(body).as(resource.getKey()).containsKey("Type");
            assertThat((String) body.get("Type")).as(resource.getKey()).matches("AWS::[A-Za-z0-9]+::[A-Za-z0-9]+");
            Object dependsOn = body.get("DependsOn");
            if (dependsOn instanceof String one) references.dependsOn.add(one);
            else if (dependsOn instanceof List<?> many) many.forEach(d -> references.dependsOn.add((String) d));
            if (body.get("Condition") instanceof String condition) references.conditions.add(condition);
            references.collect(body.get("Properties"));
        }
        references.collect(template.get("Outputs"));

        Set<String> refTargets = new LinkedHashSet<>(parameters.keySet());
        refTargets.addAll(resources.keySet());
        for (String ref : references.refs) {
            if (ref.startsWith("AWS::")) assertThat(ref).isIn(PSEUDO_PARAMETERS);
            else assertThat(refTargets).as("Ref/Sub target %s", ref).contains(ref);
        }
        assertThat(resources.keySet()).as("GetAtt targets").containsAll(references.getAttResources);
        assertThat(resources.keySet()).as("DependsOn targets").containsAll(references.dependsOn);
        assertThat(conditions.keySet()).as("conditions used").containsAll(references.conditions);
        assertThat(references.refs).as("every parameter is used").containsAll(parameters.keySet());
        for (Map.Entry<String, Object> output : map(template.get("Outputs")).entrySet())
            assertThat(map(output.getValue())).as("output %s", output.getKey()).containsKey("Value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"centralized-egress.yaml", "distributed.yaml"})
    void wiresTheAppliancesBehindGwlbAsTheApplianceExpects(String name) throws IOException {
        Map<String, Object> resources = map(load(name).get("Resources"));

        Map<String, Object> targetGroup = properties(resources, "GwlbTargetGroup");
        assertThat(targetGroup)
                .containsEntry("Protocol", "GENEVE")
                .containsEntry("Port", 6081)
                .containsEntry("HealthCheckProtocol", "HTTP")
                .containsEntry("HealthCheckPort", "80") // server.applicationConnectors in packer/files/appliance.yml
                .containsEntry("HealthCheckPath", "/health");
        assertThat(properties(resources, "Gwlb")).containsEntry("Type", "gateway");

        // Security group: GENEVE and the health port from the two GWLB (appliance) subnets only.
        List<Object> ingress =
                list(properties(resources, "ApplianceSecurityGroup").get("SecurityGroupIngress"));
        Set<String> sources = new LinkedHashSet<>();
        for (Object rule : ingress) {
            Map<String, Object> r = map(rule);
            int port = (Integer) r.get("FromPort");
            assertThat(r.get("ToPort")).isEqualTo(port);
            if (port == 6081 || port == 80) {
                sources.add(((Fn) r.get("CidrIp")).argument().toString());
                assertThat(r.get("IpProtocol")).isEqualTo(port == 6081 ? "udp" : "tcp");
            } else {
                assertThat(port)
                        .as("only the admin port besides GENEVE and health")
                        .isEqualTo(8081);
                assertThat(r.get("CidrIp")).isEqualTo(new Fn("Ref", "MonitoringCidr"));
            }
        }
        assertThat(sources).containsExactlyInAnyOrder("ApplianceSubnet1.CidrBlock", "ApplianceSubnet2.CidrBlock");
        assertThat(properties(resources, "Gwlb").get("Subnets").toString())
                .contains("ApplianceSubnet1")
                .contains("ApplianceSubnet2");

        // Auto Scaling group across the two zones' appliance subnets, replaced on the ELB (GET /health) check.
        Map<String, Object> group = properties(resources, "ApplianceAutoScalingGroup");
        assertThat(group.get("VPCZoneIdentifier").toString())
                .contains("ApplianceSubnet1")
                .contains("ApplianceSubnet2");
        assertThat(group).containsEntry("HealthCheckType", "ELB");
        assertThat(properties(resources, "ApplianceSubnet1")
                        .get("AvailabilityZone")
                        .toString())
                .isNotEqualTo(properties(resources, "ApplianceSubnet2")
                        .get("AvailabilityZone")
                        .toString());

        // The launch template: IMDSv2 only, and user data that sets what the unit and gwlb-inspect-prestart read.
        Map<String, Object> data =
                map(properties(resources, "ApplianceLaunchTemplate").get("LaunchTemplateData"));
        assertThat(map(data.get("MetadataOptions"))).containsEntry("HttpTokens", "required");
        String userData = userData(data);
        assertThat(userData)
                .startsWith("#cloud-config")
                .contains("path: /etc/gwlb-inspect/environment")
                .contains("-Ddw.dataPlane.allowedSources=${ApplianceSubnet1.CidrBlock},${ApplianceSubnet2.CidrBlock}")
                .contains("-Ddw.health.drainTime=${DrainSeconds}s")
                .contains("file:/etc/gwlb-inspect/cloudwatch-agent.json");
        String shippedEnvironment = Files.readString(Tools.REPOSITORY.resolve("packer/files/environment"));
        for (String key : List.of("APPLIANCE_OPTS", "POLICY_SOURCE", "ENI_MTU", "AVAILABILITY_ZONE")) {
            assertThat(userData).contains(key + "=");
            assertThat(shippedEnvironment).contains(key + "=");
        }
        // GWLB's deregistration delay and the appliance's drain time are one parameter, below the unit's stop timeout.
        assertThat(list(targetGroup.get("TargetGroupAttributes")).toString())
                .contains("deregistration_delay.timeout_seconds")
                .contains("Ref DrainSeconds");
        Map<String, Object> drain = map(map(load(name).get("Parameters")).get("DrainSeconds"));
        String unit = Files.readString(Tools.REPOSITORY.resolve("systemd/gwlb-inspect.service"));
        Matcher stopTimeout = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)$").matcher(unit);
        assertThat(stopTimeout.find()).isTrue();
        assertThat((Integer) drain.get("MaxValue")).isLessThan(Integer.parseInt(stopTimeout.group(1)));
    }

    @Test
    void centralizedEgressRunsSpokesThroughTheInspectionVpcWithApplianceMode() throws IOException {
        Map<String, Object> resources = map(load("centralized-egress.yaml").get("Resources"));
        Map<String, Object> attachment = properties(resources, "InspectionAttachment");
        assertThat(map(attachment.get("Options"))).containsEntry("ApplianceModeSupport", "enable");
        assertThat(properties(resources, "TransitGateway"))
                .containsEntry("DefaultRouteTableAssociation", "disable")
                .containsEntry("DefaultRouteTablePropagation", "disable");
        // Spokes: default route to the inspection attachment. Inspection VPC: TGW subnet -> GWLB endpoint,
        // endpoint subnet -> NAT gateway, NAT gateway's subnet -> GWLB endpoint for the way back.
        assertThat(properties(resources, "SpokeTgwDefaultRoute"))
                .containsEntry("TransitGatewayAttachmentId", new Fn("Ref", "InspectionAttachment"));
        for (int zone = 1; zone <= 2; zone++) {
            assertThat(properties(resources, "TgwDefaultRoute" + zone))
                    .containsEntry("VpcEndpointId", new Fn("Ref", "GwlbEndpoint" + zone));
            assertThat(properties(resources, "EndpointDefaultRoute" + zone))
                    .containsEntry("NatGatewayId", new Fn("Ref", "NatGateway" + zone));
            assertThat(properties(resources, "PublicSpokeRoute" + zone))
                    .containsEntry("VpcEndpointId", new Fn("Ref", "GwlbEndpoint" + zone));
        }
    }

    @Test
    void distributedRoutesBothDirectionsThroughTheZonesEndpoint() throws IOException {
        Map<String, Object> resources = map(load("distributed.yaml").get("Resources"));
        assertThat(properties(resources, "IngressRouteTableAssociation"))
                .containsEntry("GatewayId", new Fn("Ref", "InternetGateway"));
        for (int zone = 1; zone <= 2; zone++) {
            assertThat(properties(resources, "ApplicationDefaultRoute" + zone))
                    .containsEntry("VpcEndpointId", new Fn("Ref", "GwlbEndpoint" + zone));
            assertThat(properties(resources, "IngressRoute" + zone))
                    .containsEntry("DestinationCidrBlock", new Fn("GetAtt", "ApplicationSubnet" + zone + ".CidrBlock"))
                    .containsEntry("VpcEndpointId", new Fn("Ref", "GwlbEndpoint" + zone));
        }
    }

    private static final Set<String> PSEUDO_PARAMETERS = Set.of(
            "AWS::AccountId",
            "AWS::NoValue",
            "AWS::NotificationARNs",
            "AWS::Partition",
            "AWS::Region",
            "AWS::StackId",
            "AWS::StackName",
            "AWS::URLSuffix");

    /** An intrinsic function as written, {@code !Name argument} or {@code {"Fn::Name": argument}}. */
    record Fn(String name, Object argument) {
        @Override
        public String toString() {
            return name + " " + argument;
        }
    }

    /** Everything a template's functions refer to. */
    private static final class References {
        final Set<String> refs = new LinkedHashSet<>();
        final Set<String> getAttResources = new LinkedHashSet<>();
        final Set<String> dependsOn = new LinkedHashSet<>();
        final Set<String> conditions = new LinkedHashSet<>();

        void collect(Object node) {
            if (node instanceof Fn fn) {
                switch (fn.name()) {
                    case "Ref" -> refs.add((String) fn.argument());
                    case "GetAtt" -> {
                        String target = fn.argument() instanceof List<?> l
                                ? (String) l.get(0)
                                : ((String) fn.argument()).split("\\.")[0];
                        getAttResources.add(target);
                    }
                    case "Sub" -> {
                        String text;
                        Set<String> local = new LinkedHashSet<>();
                        if (fn.argument() instanceof List<?> l) {
                            text = (String) l.get(0);
                            local.addAll(map(l.get(1)).keySet());
                            collect(l.get(1));
                        } else text = (String) fn.argument();
                        Matcher m = SUB_VARIABLE.matcher(text);
                        while (m.find()) {
                            String variable = m.group(1);
                            if (local.contains(variable)) continue;
                            if (variable.contains(".")) getAttResources.add(variable.split("\\.")[0]);
                            else refs.add(variable);
                        }
                    }
                    case "Condition" -> conditions.add((String) fn.argument());
                    case "If" -> {
                        List<?> args = (List<?>) fn.argument();
                        conditions.add((String) args.get(0));
                        collect(args.subList(1, args.size()));
                    }
                    default -> collect(fn.argument());
                }
            } else if (node instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    String key = e.getKey().toString();
                    if (key.startsWith("Fn::") || key.equals("Ref") || key.equals("Condition") && m.size() == 1) {
                        collect(new Fn(key.replace("Fn::", ""), e.getValue()));
                    } else collect(e.getValue());
                }
            } else if (node instanceof List<?> l) {
                l.forEach(this::collect);
            }
        }
    }

    private static String userData(Map<String, Object> launchTemplateData) {
        Object userData = launchTemplateData.get("UserData");
        Object inner = userData instanceof Map<?, ?> m ? m.get("Fn::Base64") : ((Fn) userData).argument();
        return (String) ((Fn) inner).argument();
    }

    /** Loads a template with CloudFormation's short-form tags ({@code !Ref}, {@code !GetAtt}, ...) as {@link Fn}. */
    static Map<String, Object> load(String name) throws IOException {
        Yaml yaml = new Yaml(new CloudFormationConstructor());
        return map(yaml.load(Files.readString(TEMPLATES.resolve(name))));
    }

    private static final class CloudFormationConstructor extends SafeConstructor {
        CloudFormationConstructor() {
            super(new LoaderOptions());
            for (String fn : List.of(
                    "Ref",
                    "GetAtt",
                    "Sub",
                    "Join",
                    "Select",
                    "Split",
                    "Cidr",
                    "GetAZs",
                    "If",
                    "Equals",
                    "Not",
                    "And",
                    "Or",
                    "Condition",
                    "Base64",
                    "FindInMap",
                    "ImportValue",
                    "Transform")) {
                yamlConstructors.put(new Tag("!" + fn), new AbstractConstruct() {
                    @Override
                    public Object construct(Node node) {
                        Object argument;
                        if (node instanceof ScalarNode scalar) argument = constructScalar(scalar);
                        else if (node instanceof SequenceNode sequence) argument = constructSequence(sequence);
                        else argument = constructMapping((MappingNode) node);
                        if (fn.equals("GetAtt") && argument instanceof String s && !s.contains("."))
                            throw new IllegalArgumentException("!GetAtt " + s + " names no attribute");
                        return new Fn(fn, argument);
                    }
                });
            }
        }
    }

    private static Map<String, Object> properties(Map<String, Object> resources, String name) {
        assertThat(resources).as("resources").containsKey(name);
        return map(map(resources.get(name)).get("Properties"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return new ArrayList<>((List<Object>) o);
    }
}
