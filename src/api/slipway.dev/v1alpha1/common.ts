// Shared by Slipway's own slipway.dev/v1alpha1 kinds (machine networks, their addresses, images).

import Type from 'typebox';
import { conditions } from '../../cluster.x-k8s.io/v1beta2/common.ts';

export const group = 'slipway.dev';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

/** The condition list every slipway.dev status carries (Ready at least), metav1.Condition form. */
export const statusConditions = (kind: string) => Type.Optional(conditions(`conditions represents the observations of the ${kind}'s current state (Ready).`));

export const observedGeneration = () => Type.Optional(Type.Integer({ format: 'int64', minimum: 1, description: 'observedGeneration is the latest generation observed by the controller.' }));

export const ipv4Address = (description: string) => Type.String({ format: 'ipv4', maxLength: 15, description });

/** A Linux interface name: at most 15 bytes (IFNAMSIZ), plain characters, never starting with "-" (it reaches `ip`; the API server checks it). */
export const interfaceName = (description: string) => Type.String({ description });

export const ageColumn = (kind: string) => ({ name: 'Age', type: 'date' as const, jsonPath: '.metadata.creationTimestamp', description: `Time since the ${kind} was created` });
