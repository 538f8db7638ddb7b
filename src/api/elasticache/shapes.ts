// ElastiCache 2015-02-02 response shapes, element for element as the service model
// names them (aws-examples/ec-*.txt): list item names vary per list and the JS SDK v3
// drops items whose element name is wrong.

import { bool, int, list, str, struct, ts } from '../shapes.js';

export const EndpointShape = struct({ Address: str(), Port: int() });

export const TagListShape = list(struct({ Key: str(), Value: str() }), 'Tag');

export const TagsIn = list(struct({ Key: str(), Value: str() }), 'Tag');

/** Input fields CreateCacheCluster and CreateReplicationGroup share: what every node of either runs with. */
export const NodeSettingsIn = {
  CacheNodeType: str(),
  Engine: str(),
  EngineVersion: str(),
  CacheParameterGroupName: str(),
  CacheSubnetGroupName: str(),
  CacheSecurityGroupNames: list(str(), 'CacheSecurityGroupName'),
  SecurityGroupIds: list(str(), 'SecurityGroupId'),
  Tags: TagsIn,
  SnapshotArns: list(str(), 'SnapshotArn'),
  SnapshotName: str(),
  PreferredMaintenanceWindow: str(),
  Port: int(),
  NotificationTopicArn: str(),
  AutoMinorVersionUpgrade: bool(),
  SnapshotRetentionLimit: int(),
  SnapshotWindow: str(),
  AuthToken: str(),
};

export const CacheNodeShape = struct({
  CacheNodeId: str(),
  CacheNodeStatus: str(),
  CacheNodeCreateTime: ts(),
  Endpoint: EndpointShape,
  ParameterGroupStatus: str(),
  SourceCacheNodeId: str(),
  CustomerAvailabilityZone: str(),
  CustomerOutpostArn: str(),
});

export const CacheClusterShape = struct({
  CacheClusterId: str(),
  ConfigurationEndpoint: EndpointShape,
  ClientDownloadLandingPage: str(),
  CacheNodeType: str(),
  Engine: str(),
  EngineVersion: str(),
  CacheClusterStatus: str(),
  NumCacheNodes: int(),
  PreferredAvailabilityZone: str(),
  CacheClusterCreateTime: ts(),
  PreferredMaintenanceWindow: str(),
  PendingModifiedValues: struct({
    NumCacheNodes: int(),
    CacheNodeIdsToRemove: list(str(), 'CacheNodeId'),
    EngineVersion: str(),
    CacheNodeType: str(),
  }),
  NotificationConfiguration: struct({ TopicArn: str(), TopicStatus: str() }),
  CacheSecurityGroups: list(struct({ CacheSecurityGroupName: str(), Status: str() }), 'CacheSecurityGroup'),
  CacheParameterGroup: struct({
    CacheParameterGroupName: str(),
    ParameterApplyStatus: str(),
    CacheNodeIdsToReboot: list(str(), 'CacheNodeId'),
  }),
  CacheSubnetGroupName: str(),
  CacheNodes: list(CacheNodeShape, 'CacheNode'),
  AutoMinorVersionUpgrade: bool(),
  SecurityGroups: list(struct({ SecurityGroupId: str(), Status: str() }), 'member'),
  ReplicationGroupId: str(),
  SnapshotRetentionLimit: int(),
  SnapshotWindow: str(),
  AuthTokenEnabled: bool(),
  AuthTokenLastModifiedDate: ts(),
  TransitEncryptionEnabled: bool(),
  AtRestEncryptionEnabled: bool(),
  ARN: str(),
  ReplicationGroupLogDeliveryEnabled: bool(),
  LogDeliveryConfigurations: list(struct({ LogType: str(), DestinationType: str(), LogFormat: str(), Status: str(), Message: str() }), 'LogDeliveryConfiguration'),
  NetworkType: str(),
  IpDiscovery: str(),
  TransitEncryptionMode: str(),
});

export const SubnetShape = struct({
  SubnetIdentifier: str(),
  SubnetAvailabilityZone: struct({ Name: str() }),
  SupportedNetworkTypes: list(str(), 'member'),
});

export const CacheSubnetGroupShape = struct({
  CacheSubnetGroupName: str(),
  CacheSubnetGroupDescription: str(),
  VpcId: str(),
  Subnets: list(SubnetShape, 'Subnet'),
  ARN: str(),
  SupportedNetworkTypes: list(str(), 'member'),
});

export const EventShape = struct({ SourceIdentifier: str(), SourceType: str(), Message: str(), Date: ts() });

export const CacheEngineVersionShape = struct({
  Engine: str(),
  EngineVersion: str(),
  CacheParameterGroupFamily: str(),
  CacheEngineDescription: str(),
  CacheEngineVersionDescription: str(),
});

/** Input fields ModifyCacheCluster and ModifyReplicationGroup share. */
export const ModifyNodeSettingsIn = {
  PreferredMaintenanceWindow: str(),
  NotificationTopicArn: str(),
  CacheParameterGroupName: str(),
  NotificationTopicStatus: str(),
  ApplyImmediately: bool(),
  EngineVersion: str(),
  AutoMinorVersionUpgrade: bool(),
  SnapshotRetentionLimit: int(),
  SnapshotWindow: str(),
  CacheNodeType: str(),
  AuthToken: str(),
};
