/** The Slack port for sharing files: `files.uploadV2` (Bolt's `client` fits it), and what Slack answered when it refused. */
import { ErrorCode, type WebClient } from '@slack/web-api'

export type FileUploader = Pick<WebClient, 'filesUploadV2'>

/** Slack's error code (`not_in_channel`…) when the call was refused with `ok: false`; undefined for any other failure. */
export function slackErrorCode(error: unknown): string | undefined {
  const slack = error as { code?: string; data?: { error?: unknown } } | undefined
  return slack?.code === ErrorCode.PlatformError && typeof slack.data?.error === 'string' ? slack.data.error : undefined
}
