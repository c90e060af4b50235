/** The cabin view: the cabin camera's video, no overlay. */
import type { ServiceFactory } from '../../service/types.js';
import { CameraSessions } from '../reversing/cameraSessions.js';

const cabin: ServiceFactory = (ctx) => new CameraSessions(ctx);

export default cabin;
