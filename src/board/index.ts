export {
  type Audience,
  type BoardDelta,
  BoardFeed,
  type BoardSnapshot,
  boardDelta,
  type Catchup,
  type FeedEvent,
} from "./feed.js";
export { RecentResults } from "./recent.js";
export { boardStatus, type LastResult, type ProbeColour, type StatusInput } from "./status.js";
export { boardTiles, publicTiles, type TileAlert, type TileInputs } from "./tiles.js";
