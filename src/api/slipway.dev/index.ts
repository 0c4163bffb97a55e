// The CustomResourceDefinitions of Slipway's own slipway.dev kinds: machine networks, their
// addresses, and images.

import type { KubeObject } from '../meta.ts';
import { imageCRD } from './v1alpha1/image.ts';
import { ipAddressCRD } from './v1alpha1/ip-address.ts';
import { networkCRD } from './v1alpha1/network.ts';

export const slipwayCRDs: KubeObject[] = [networkCRD, ipAddressCRD, imageCRD];
