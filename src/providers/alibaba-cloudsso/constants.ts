/** The numbers and names the CloudSSO adapter's files share. */
export const CLOUDSSO_API_VERSION = '2021-05-15'
export const SCIM_BLOCK_DETAIL = 'synchronised from the identity provider by SCIM: remove them there'
export const ASSIGNMENTS_LABEL = 'access assignments removed'
export const DEPROVISION_LABEL = 'de-provisioning tasks finished'
/** The first pending answer asks again after this; each later one doubles it, up to POLL_MAX_MS. */
export const POLL_FIRST_MS = 2_000
export const POLL_MAX_MS = 30_000
export const DEPROVISION_STRATEGY = 'DeprovisionForLastAccessAssignmentOnAccount'
/** DeleteAccessAssignment's answer while CloudSSO is still de-provisioning on that account. */
export const STILL_DEPROVISIONING = 'DeletionConflict.AccessConfigurationProvisioning.AccessAssignment'
/** Polls that may meet STILL_DEPROVISIONING (about 8 minutes at the longest poll interval) before the delete gives up. */
export const MAX_DEPROVISIONING_WAITS = 16
export const PAGE_SIZE = 100
export const MAX_PAGES = 50
export const MAX_NAMES = 10
