/** The providers file entry of an Alibaba Cloud CloudSSO directory. */
import { z } from 'zod'
import { COMMON_FIELDS, httpUrl, type Secret } from '../kit/config.js'

export const alibabaCloudSsoSchema = (secret: Secret) =>
  z.object({
    ...COMMON_FIELDS,
    type: z.literal('alibaba-cloudsso'),
    region: z.string().regex(/^[a-z]{2}-[a-z]+(-\d+)?$/, 'expected a region id such as cn-shanghai or ap-southeast-1'),
    directoryId: z.string().min(1),
    accessKeyId: secret,
    accessKeySecret: secret,
    /** Leave out for cloudsso.<region>.aliyuncs.com; tests point it at a local server. */
    endpoint: httpUrl.optional(),
  })

export type AlibabaCloudSsoIntegration = z.infer<ReturnType<typeof alibabaCloudSsoSchema>>
