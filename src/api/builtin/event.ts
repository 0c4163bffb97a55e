// core/v1 Event: a report of something that happened to an object (the form `kubectl get events`
// and client-go's event recorder use).

import type { ResourceType, Schema } from '../resource.ts';
import { objectSchema } from './object-meta.ts';

const objectReference = (description: string): Schema => ({
  type: 'object',
  description,
  properties: {
    apiVersion: { type: 'string', description: 'API version of the referent.' },
    kind: { type: 'string', description: 'Kind of the referent.' },
    namespace: { type: 'string', description: 'Namespace of the referent.' },
    name: { type: 'string', description: 'Name of the referent.' },
    uid: { type: 'string', description: 'UID of the referent.' },
    resourceVersion: { type: 'string', description: 'Specific resourceVersion to which this reference is made, if any.' },
    fieldPath: { type: 'string', description: 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].' },
  },
  'x-kubernetes-map-type': 'atomic',
});

const time = (description: string): Schema => ({ type: 'string', format: 'date-time', description });

export const eventType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  categories: [],
  namespaced: true,
  schema: objectSchema('Event is a report of an event somewhere in the cluster.', {
    involvedObject: objectReference('The object that this event is about.'),
    reason: { type: 'string', description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status." },
    message: { type: 'string', description: 'A human-readable description of the status of this operation.' },
    type: { type: 'string', description: 'Type of this event (Normal, Warning), new types could be added in the future.' },
    count: { type: 'integer', format: 'int32', description: 'The number of times this event has occurred.' },
    firstTimestamp: time('The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
    lastTimestamp: time('The time at which the most recent occurrence of this event was recorded.'),
    eventTime: time('Time when this Event was first observed.'),
    source: {
      type: 'object',
      description: 'The component reporting this event. Should be a short machine understandable string.',
      properties: {
        component: { type: 'string', description: 'Component from which the event is generated.' },
        host: { type: 'string', description: 'Node name on which the event is generated.' },
      },
    },
    reportingComponent: { type: 'string', description: 'Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.' },
    reportingInstance: { type: 'string', description: 'ID of the controller instance, e.g. `kubelet-xyzf`.' },
    action: { type: 'string', description: 'What action was taken/failed regarding to the Regarding object.' },
    related: objectReference('Optional secondary object for more complex actions.'),
    series: {
      type: 'object',
      description: 'Data about the Event series this event represents or nil if it\'s a singleton Event.',
      properties: {
        count: { type: 'integer', format: 'int32', description: 'Number of occurrences in this series up to the last heartbeat time' },
        lastObservedTime: time('Time of the last occurrence observed'),
      },
    },
  }, ['metadata', 'involvedObject']),
  subresources: {},
  printerColumns: [
    { name: 'Last Seen', type: 'date', jsonPath: '.lastTimestamp' },
    { name: 'Type', type: 'string', jsonPath: '.type' },
    { name: 'Reason', type: 'string', jsonPath: '.reason' },
    { name: 'Object', type: 'string', jsonPath: '.involvedObject.name' },
    { name: 'Message', type: 'string', jsonPath: '.message' },
  ],
  builtin: true,
  storageVersion: 'v1',
};
